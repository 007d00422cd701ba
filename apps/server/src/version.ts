/** The product version reported by the console and, later, by `SELECT VERSION()`. */
export const tesseraVersion = '0.1.0';
