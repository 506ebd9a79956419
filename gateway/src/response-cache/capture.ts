// Response cache: collects the text a stream sends its client, up to the entry bound, so a stream that ends
// cleanly can be stored as the exact event sequence (framing included) and replayed byte for byte.
export class StreamCapture {
  private parts: string[] = [];
  private bytes = 0;
  private over = false;

  constructor(private readonly maxBytes: number) {}

  /** One piece written to the client. Past the bound the capture is dropped: the stream is relayed, not kept. */
  add(text: string): void {
    if (this.over) return;
    this.bytes += Buffer.byteLength(text);
    if (this.bytes > this.maxBytes) {
      this.over = true;
      this.parts = [];
      return;
    }
    this.parts.push(text);
  }

  /** The whole text, or null when it outgrew the bound. */
  text(): string | null {
    return this.over ? null : this.parts.join('');
  }
}
