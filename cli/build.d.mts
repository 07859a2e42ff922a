// Types for cli/build.mjs (plain JavaScript so the executable can import it without tsx).

export declare const ROOT: string;
export declare const OUT_DIR: string;
export declare const ENTRY: string;
export declare const MANIFEST: string;

export interface BundleState {
  readonly state: "missing" | "stale" | "fresh";
  /** Which input made it stale. */
  readonly reason?: string;
}

/** Whether the compiled CLI in `outDir` is missing, older than one of its sources, or fresh. */
export declare function bundleState(where?: { root?: string; outDir?: string }): BundleState;

/** Compiles the CLI into dist/cli. @throws Error when esbuild is missing or the sources do not compile. */
export declare function buildCli(): Promise<{ outDir: string; inputs: number; ms: number }>;
