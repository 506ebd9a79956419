// Types of stage.mjs for the TypeScript tests that import it.
export declare const ROOT: string;
export declare const STAGE_DIR: string;
export declare const STACK_STAGE_DIR: string;
export declare const APP_PATHS: string[];
export declare function runtimeDependencies(root?: string): Record<string, string>;
export declare function productionClosure(root?: string, deps?: Record<string, string>): string[];
export declare function nativeModules(
  root?: string,
  closure?: string[],
  allowScripts?: Record<string, boolean>,
): string[];
export declare function stagedPackageJson(root?: string): {
  name: string;
  productName: string;
  version: string;
  description: string;
  license: string;
  author: { name: string };
  type: string;
  main: string;
  dependencies: Record<string, string>;
};
export declare function stageApp(options?: { root?: string; stage?: string; nodeModules?: boolean }): {
  stage: string;
  packages: string[];
};
export declare function stackFiles(root?: string): string[];
export declare function stageStack(options?: { root?: string; stage?: string }): { stage: string; files: string[] };
