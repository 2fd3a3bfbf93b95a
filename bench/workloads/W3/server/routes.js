export function server_routes() { return "server routes"; }
