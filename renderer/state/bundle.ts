/**
 * The one-time passphrase of a transfer bundle as the supervisor reads it off
 * the screen: its groups of four, in capitals, without the dashes (fewer
 * characters to misread across a hall).
 */
export function passphraseGroups(passphrase: string): string[] {
  const plain = passphrase.toUpperCase().replace(/[^0-9A-Z]/g, '');
  const groups: string[] = [];
  for (let i = 0; i < plain.length; i += 4) groups.push(plain.slice(i, i + 4));
  return groups;
}
