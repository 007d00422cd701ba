/**
 * The one place this package reads the environment, and only tests import it.
 * REWRITE=1 makes the golden-file runner write actual output back into testdata/.
 */
export const rewriteGoldenFiles = process.env.REWRITE === '1';
