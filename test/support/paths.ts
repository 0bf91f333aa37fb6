import { fileURLToPath } from 'node:url';

/** The small fixed catalogue of the golden cases (real national codes). */
export const GOLDEN_CATALOGUE = fileURLToPath(new URL('../golden/catalogue.json', import.meta.url));
export const GOLDEN_DIR = fileURLToPath(new URL('../golden/', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
