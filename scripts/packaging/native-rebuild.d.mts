// Types of native-rebuild.mjs for the TypeScript tests that import it.
export declare function rebuildStaged(target: {
  appDir: string;
  electronVersion: string;
  platform: NodeJS.Platform;
  arch: string;
}): Promise<string[]>;
export declare function distTarget(
  args: string[],
  host?: { platform: NodeJS.Platform; arch: string },
): { platform: NodeJS.Platform; arch: string };
