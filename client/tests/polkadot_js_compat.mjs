// Driven by polkadot_js_compat.rs. Reads a JSON request on argv[2], writes a JSON answer to stdout.
import { readFileSync } from 'node:fs';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, signatureVerify } from '@polkadot/util-crypto';
import { u8aToHex, stringToU8a, hexToU8a } from '@polkadot/util';

await cryptoWaitReady();
const req = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
const out = { addresses: {}, ours: null, theirs: null };

// (a) addresses from secret URIs
for (const uri of req.uris) {
  out.addresses[uri] = keyring.createFromUri(uri).address;
}

// (b) our JSON account -> polkadot.js: decrypt, sign, verify
const ours = keyring.addFromJson(req.our_json);
ours.decodePkcs8(req.password);
const msg = stringToU8a(req.message);
const sig = ours.sign(msg);
out.ours = {
  address: ours.address,
  name: ours.meta.name,
  signature_ok: signatureVerify(msg, sig, ours.address).isValid,
  verifies_rust_signature: signatureVerify(msg, hexToU8a(req.rust_signature), ours.address).isValid,
};
let wrong = 'accepted';
try {
  const again = keyring.createFromJson(req.our_json);
  again.decodePkcs8(req.password + 'x');
} catch (e) {
  wrong = 'rejected';
}
out.ours.wrong_password = wrong;

// (c) polkadot.js JSON account -> ours
const theirs = keyring.addFromUri(req.their_uri, { name: 'from-polkadot-js' });
out.theirs = {
  json: theirs.toJson(req.password),
  address: theirs.address,
  signature: u8aToHex(theirs.sign(msg)),
};
process.stdout.write(JSON.stringify(out));
