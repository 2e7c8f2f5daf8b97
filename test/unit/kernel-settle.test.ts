// The test suite's own idea of when the kernel has settled (test/helpers/link-work.ts): a bridge's carrier is
// pending only while it differs from what its ports give it; a bridge without ports is settled with or without
// carrier. Links as `ip -d -json addr show` printed them on kernel 6.18 (trimmed to the fields read), in a sandbox:
// a new bridge set up with no port; the same after a veth joined it (down, then up with its peer up); then after the
// port left.
import { describe, expect, it } from 'vitest';
import { bridgeCarrierPending } from '../helpers/link-work.js';

const bridge = (flags: string[], stp = 0) => ({ ifname: 'br9', flags, linkinfo: { info_kind: 'bridge', info_data: { stp_state: stp } } });
const port = (flags: string[]) => ({ ifname: 'va', flags, master: 'br9', link: 'vb', linkinfo: { info_kind: 'veth' } });
const NO_CARRIER_UP = ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'], UP_CARRIER = ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'];

describe('when a bridge counts as settled', () => {
  it('a bridge without ports: settled with carrier (new) and without (its ports gone)', () => {
    expect(bridgeCarrierPending([bridge(UP_CARRIER)])).toBe(false);
    expect(bridgeCarrierPending([bridge(NO_CARRIER_UP)])).toBe(false);
  });

  it('with ports: pending while its carrier differs from theirs', () => {
    expect(bridgeCarrierPending([bridge(NO_CARRIER_UP), port(['BROADCAST', 'MULTICAST', 'M-DOWN'])])).toBe(false);
    expect(bridgeCarrierPending([bridge(NO_CARRIER_UP), port(UP_CARRIER)])).toBe(true);
    expect(bridgeCarrierPending([bridge(UP_CARRIER), port(UP_CARRIER)])).toBe(false);
    expect(bridgeCarrierPending([bridge(UP_CARRIER), port(NO_CARRIER_UP)])).toBe(true);
  });

  it('a bridge down, or with STP (its ports wait out their own states), is not judged here', () => {
    expect(bridgeCarrierPending([bridge(['BROADCAST', 'MULTICAST']), port(UP_CARRIER)])).toBe(false);
    expect(bridgeCarrierPending([bridge(NO_CARRIER_UP, 1), port(UP_CARRIER)])).toBe(false);
  });
});
