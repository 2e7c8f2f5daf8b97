// Claims: the names an object occupies in the kernel (see Resource.claims). Two objects can't hold one; deleting
// an object frees its claims and takes along the objects that have one of them as a parent.

export const nsClaim = (ns: string) => `netns:${ns}`;
export const linkClaim = (ns: string, name: string) => `link:${ns}/${name}`;

/** The namespace a `netns:` claim names, else undefined. */
export const claimedNamespace = (claim: string): string | undefined => (claim.startsWith('netns:') ? claim.slice(6) : undefined);

/** "ns/name" of a `link:` claim, else undefined. */
export const claimedLink = (claim: string): string | undefined => (claim.startsWith('link:') ? claim.slice(5) : undefined);

/** The namespaces deleted by these steps (those whose deletion frees a `netns:` claim). */
export function namespacesDeleted(steps: { op: string; live?: { claims: string[] } }[]): string[] {
  return steps.filter((s) => s.op === 'delete').flatMap((s) => s.live!.claims.map(claimedNamespace)).filter((n): n is string => n !== undefined);
}
