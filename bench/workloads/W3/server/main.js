export function server_main() { return "server main"; }
