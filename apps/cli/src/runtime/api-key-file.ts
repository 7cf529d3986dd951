/**
 * Where the embedded store keeps its local team's key, inside the data folder (mode 0600). Its own module, free of
 * imports: a client command reads the key of a running `serve` and must not load the database package for it.
 */
export const API_KEY_FILE = 'api-key';
