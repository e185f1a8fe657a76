/** Compile-time flag: true only in the end-to-end test build (`vite build --mode e2e`); test hooks hide behind it. */
declare const __UNMASK_E2E__: boolean;
