import { describe, expect, it } from 'vitest';
import { copySecret, type ClipboardLike } from './clipboard-clear.js';

function fakeClipboard(): ClipboardLike & { text: string } {
  const board = {
    text: '',
    readText: () => board.text,
    writeText: (text: string) => void (board.text = text),
    clear: () => void (board.text = ''),
  };
  return board;
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('copySecret', () => {
  it('clears the clipboard after the timeout when it still holds the key', async () => {
    const board = fakeClipboard();
    copySecret(board, 'llmgw_secret', 20);
    expect(board.text).toBe('llmgw_secret');
    await tick(60);
    expect(board.text).toBe('');
  });

  it('leaves what the user copied since alone', async () => {
    const board = fakeClipboard();
    copySecret(board, 'llmgw_secret', 20);
    board.writeText('something else');
    await tick(60);
    expect(board.text).toBe('something else');
  });
});
