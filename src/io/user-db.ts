// The machine's users and groups, read from /etc/passwd and /etc/group by topo itself (no getent: no process). What
// a process's `user:` and `group:` name is resolved here, for validation (the names) and for its start (uid, gid,
// home). Users that only a network directory knows (NSS: LDAP, sssd) are not seen: name them by number.
import { readFileSync } from 'node:fs';

export interface PasswdEntry { name: string; uid: number; gid: number; home: string }
export interface GroupEntry { name: string; gid: number }

function lines(path: string): string[][] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
  } catch { return []; }
}

export const passwd = (path = '/etc/passwd'): PasswdEntry[] =>
  lines(path).filter((f) => f.length >= 6).map((f) => ({ name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] || '/' }));
export const groups = (path = '/etc/group'): GroupEntry[] =>
  lines(path).filter((f) => f.length >= 3).map((f) => ({ name: f[0], gid: Number(f[2]) }));

/** The names, for validation (CheckOptions.knownUsers); undefined when /etc/passwd can't be read. */
export function knownUsers(): { users: Set<string>; groups: Set<string> } | undefined {
  const u = passwd();
  return u.length ? { users: new Set(u.map((e) => e.name)), groups: new Set(groups().map((g) => g.name)) } : undefined;
}

/** Who a process runs as: uid and gid, the user's name (its uid when /etc/passwd has none) and home ('/' then). */
export interface Identity { uid: number; gid: number; name: string; home: string; inPasswd: boolean }

/** `user` (name or uid) and `group` (name or gid, default the user's own) resolved; throws naming what is unknown. */
export function resolveIdentity(user: string, group?: string, db: { users: PasswdEntry[]; groups: GroupEntry[] } = { users: passwd(), groups: groups() }): Identity {
  const users = db.users;
  const numeric = /^\d+$/.test(user);
  const u = users.find((e) => (numeric ? e.uid === Number(user) : e.name === user));
  if (!u && !numeric) throw new Error(`user ${JSON.stringify(user)} is not in /etc/passwd`);
  let gid = u?.gid ?? Number(user);
  if (group !== undefined) {
    if (/^\d+$/.test(group)) gid = Number(group);
    else {
      const g = db.groups.find((e) => e.name === group);
      if (!g) throw new Error(`group ${JSON.stringify(group)} is not in /etc/group`);
      gid = g.gid;
    }
  }
  return u ? { uid: u.uid, gid, name: u.name, home: u.home, inPasswd: true } : { uid: Number(user), gid, name: user, home: '/', inPasswd: false };
}

/** The entry of a uid (topo's own, for a process without `user`). */
export const passwdOf = (uid: number): PasswdEntry | undefined => passwd().find((e) => e.uid === uid);
