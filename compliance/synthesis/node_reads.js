// Loaded into every Node.js the synth child starts (jsii's, through NODE_OPTIONS --require):
// notes each file or folder below the project root that Node.js reads for the app (the source
// of a file asset, which aws-cdk-lib fingerprints and copies), one path a line, in the file
// TAP_COMPLIANCE_NODE_READS names, for the synthesis cache (compliance/synthesis/inputs.py).
// It changes nothing else: each wrapped function calls the original with the same arguments.
'use strict';
const fs = require('fs');
const path = require('path');

const note = process.env.TAP_COMPLIANCE_NODE_READS;
const root = process.env.TAP_COMPLIANCE_PROJECT_ROOT;
// folders (each ending in a separator) never inputs: the assembly, the interpreter, jsii's cache
const skipped = (process.env.TAP_COMPLIANCE_SKIPPED || '').split(path.delimiter).filter(Boolean);

if (note && root) {
  const seen = new Set([note]);
  const record = (target) => {
    if (typeof target !== 'string' && !Buffer.isBuffer(target)) return;
    const full = path.resolve(String(target));
    if (seen.has(full) || !(full === root || full.startsWith(root + path.sep))) return;
    if (skipped.some((folder) => (full + path.sep).startsWith(folder))) return;
    seen.add(full);
    fs.appendFileSync(note, full + '\n');
  };
  for (const name of ['openSync', 'readFileSync', 'readdirSync', 'statSync', 'copyFileSync']) {
    const original = fs[name];
    fs[name] = function (target, ...rest) {
      record(target);
      return original.call(this, target, ...rest);
    };
  }
}
