// polkadot.js compatibility check against a running aitbc-node.
// Usage: node compat.mjs ws://127.0.0.1:9944
// Exits 0 when every check passes; prints one line per check.
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';

const url = process.argv[2] ?? 'ws://127.0.0.1:9944';
const fail = (msg) => { console.error(`FAIL: ${msg}`); process.exit(1); };
const ok = (msg) => console.log(`ok - ${msg}`);
const timer = setTimeout(() => fail('timed out after 120 s'), 120_000);

await cryptoWaitReady();
const api = await ApiPromise.create({ provider: new WsProvider(url), throwOnConnect: true, noInitWarn: true });
ok(`connected to ${(await api.rpc.system.chain()).toString()} (spec ${api.runtimeVersion.specName} v${api.runtimeVersion.specVersion})`);

const props = await api.rpc.system.properties();
if (props.tokenSymbol.unwrap()[0].toString() !== 'AIT') fail(`token symbol is ${props.tokenSymbol}`);
ok('system.properties: token AIT');

const keyring = new Keyring({ type: 'sr25519' });
const alice = keyring.addFromUri('//Alice');
const bob = keyring.addFromUri('//Bob');

const aliceAccount = await api.query.system.account(alice.address);
if (aliceAccount.data.free.isZero()) fail('Alice has no free balance');
ok(`system.account(Alice): free ${aliceAccount.data.free.toString()}`);

// Decode the latest block and its events.
const head = await api.rpc.chain.getHeader();
const signed = await api.rpc.chain.getBlock(head.hash);
const events = await (await api.at(head.hash)).query.system.events();
if (signed.block.extrinsics.length < 1) fail('block has no extrinsics (timestamp inherent missing)');
const first = signed.block.extrinsics[0];
if (`${first.method.section}.${first.method.method}` !== 'timestamp.set') fail(`first extrinsic is ${first.method.section}.${first.method.method}`);
ok(`decoded block #${head.number} with ${signed.block.extrinsics.length} extrinsics and ${events.length} events`);

// Sign, submit and watch a transfer until finalized.
const bobBefore = (await api.query.system.account(bob.address)).data.free.toBigInt();
const amount = 1_234_000_000_000n;
const fin = await new Promise((resolve, reject) => {
  api.tx.balances.transferKeepAlive(bob.address, amount).signAndSend(alice, ({ status, events, dispatchError }) => {
    if (dispatchError) reject(new Error(`dispatch error: ${dispatchError.toString()}`));
    // With instant finality polkadot.js may skip the in-block result (it switches to the newer
    // finalized status), so check the events on whichever of the two arrives.
    if (status.isInBlock || status.isFinalized) {
      const names = events.map(({ event }) => `${event.section}.${event.method}`);
      if (!names.includes('balances.Transfer')) reject(new Error(`no Transfer event: ${names}`));
      const where = status.isInBlock ? status.asInBlock : status.asFinalized;
      ok(`transfer ${status.type} ${where.toHex()} with events ${names.join(', ')}`);
    }
    if (status.isFinalized) resolve(status.asFinalized.toHex());
    if (status.isInvalid || status.isDropped || status.isUsurped) reject(new Error(`transaction ${status.type}`));
  }).catch(reject);
}).catch((e) => fail(e.message));
ok(`transfer finalized in ${fin}`);

const bobAfter = (await api.query.system.account(bob.address)).data.free.toBigInt();
if (bobAfter - bobBefore !== amount) fail(`Bob received ${bobAfter - bobBefore}, expected ${amount}`);
ok(`Bob's balance rose by exactly ${amount}`);

// Fee estimate goes through TransactionPaymentApi via state_call.
const info = await api.tx.balances.transferKeepAlive(bob.address, 1n).paymentInfo(alice);
if (info.partialFee.isZero()) fail('paymentInfo returned a zero fee');
ok(`paymentInfo: partial fee ${info.partialFee.toString()}`);

clearTimeout(timer);
await api.disconnect();
console.log('polkadot.js compatibility: all checks passed');
process.exit(0);
