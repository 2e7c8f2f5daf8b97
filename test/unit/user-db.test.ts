// A process's user and group (io/user-db.ts): /etc/passwd and /etc/group read by topo itself, names and numbers
// resolved to uid, gid, name and home, an unknown name refused naming the file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { groups, passwd, resolveIdentity } from '../../src/io/user-db.js';
import { scratchDir } from '../helpers/scratch.js';

describe('user database', () => {
  it('reads passwd and group files; resolves names, numbers, a group of its own; refuses unknown names', () => {
    const dir = scratchDir('topo-users');
    writeFileSync(join(dir, 'passwd'), 'root:x:0:0:root:/root:/bin/bash\n# a comment\nweb:x:1000:1001:Web:/srv/web:/bin/sh\nbroken line\nnohome:x:7:7::\n');
    writeFileSync(join(dir, 'group'), 'root:x:0:\nwebgrp:x:1001:\nextra:x:2000:web\n');
    const db = { users: passwd(join(dir, 'passwd')), groups: groups(join(dir, 'group')) };
    expect(db.users.map((u) => u.name)).toEqual(['root', 'web', 'nohome']);
    expect(resolveIdentity('web', undefined, db)).toEqual({ uid: 1000, gid: 1001, name: 'web', home: '/srv/web', inPasswd: true });
    expect(resolveIdentity('1000', 'extra', db)).toEqual({ uid: 1000, gid: 2000, name: 'web', home: '/srv/web', inPasswd: true });
    expect(resolveIdentity('nohome', '55', db)).toEqual({ uid: 7, gid: 55, name: 'nohome', home: '/', inPasswd: true });
    expect(resolveIdentity('4242', undefined, db)).toEqual({ uid: 4242, gid: 4242, name: '4242', home: '/', inPasswd: false });
    expect(() => resolveIdentity('wbe', undefined, db)).toThrow('user "wbe" is not in /etc/passwd');
    expect(() => resolveIdentity('web', 'nogroup', db)).toThrow('group "nogroup" is not in /etc/group');
    expect(passwd(join(dir, 'missing'))).toEqual([]);
  });
});
