export function client_routes() { return "client routes"; }
