/** OpenAPI security requirement of every `/v1` route (the scheme is declared in plugins/swagger.ts). */
export const API_KEY_SECURITY = [{ apiKey: [] }];
