export function server_util() { return "server util"; }
