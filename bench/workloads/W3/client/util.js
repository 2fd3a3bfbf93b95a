export function client_util() { return "client util"; }
