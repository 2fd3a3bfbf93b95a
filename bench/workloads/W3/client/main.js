export function client_main() { return "client main"; }
