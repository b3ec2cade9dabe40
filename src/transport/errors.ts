// Bind failures in words an administrator can act on.

export function describeBindError(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'EADDRINUSE':
      return 'the address is already in use (is another sipd or SIP server running?) (EADDRINUSE)';
    case 'EACCES':
      return 'permission denied; ports below 1024 need sipd to be started as root (EACCES)';
    case 'EADDRNOTAVAIL':
      return 'the address is not one of this host\'s addresses (EADDRNOTAVAIL)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name does not resolve (${e.code})`;
    default:
      return e.code ? `${e.message} (${e.code})` : e.message;
  }
}
