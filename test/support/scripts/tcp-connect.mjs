/* global process, console, setTimeout, clearTimeout */
// One TCP connect from inside a lab namespace: `node tcp-connect.mjs ADDRESS PORT DEADLINE_MS`.
// Prints one JSON line: {"outcome":"connected"|"error"|"deadline","code"?:errno,"greeting"?:text}.
// "deadline" is our own timer, not the kernel's ETIMEDOUT (which takes minutes).
import { connect } from 'node:net';

const [address, portText, deadlineText] = process.argv.slice(2);
const deadlineMs = Number(deadlineText ?? 3000);
const socket = connect({ host: address, port: Number(portText) });
let finished = false;
const finish = (result) => {
  if (finished) return;
  finished = true;
  clearTimeout(timer);
  socket.destroy();
  console.log(JSON.stringify(result));
};
const timer = setTimeout(() => finish({ outcome: 'deadline' }), deadlineMs);
socket.on('connect', () => {
  // Give a server that speaks first (SSH, FTP, MySQL) a moment to greet, then report.
  let greeting = '';
  socket.on('data', (chunk) => {
    greeting += chunk.toString('latin1');
  });
  setTimeout(() => finish({ outcome: 'connected', greeting }), 300);
});
socket.on('error', (error) => finish({ outcome: 'error', code: error.code }));
