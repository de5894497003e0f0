#!/usr/bin/env node
// The house rules a reviewer checks by hand, checked by a script instead (docs/DESIGN.md §House rules):
// no import cycle between folders of src/, no file cycle, no source file over 400 lines.
// `node scripts/check-house.mjs` prints the folder graph's back edges and exits 1 on any breach.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const maxLines = 400;
const sourceRoots = ['src', 'web/src'];

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...walk(full));
    else if (/\.(ts|tsx|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

const importPattern = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|new URL\(\s*['"](\.[^'"]+\.(?:ts|js))['"]/g;
const files = sourceRoots.flatMap((r) => walk(path.join(root, r)));
const edges = new Map(); // file -> Set<file>
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const targets = new Set();
  for (const m of text.matchAll(importPattern)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec || !spec.startsWith('.')) continue;
    let target = path.resolve(path.dirname(file), spec);
    if (target.endsWith('.js') && !files.includes(target)) target = target.replace(/\.js$/, '.ts');
    if (!files.includes(target)) for (const ext of ['.ts', '.tsx', '/index.ts']) if (files.includes(target + ext)) { target += ext; break; }
    targets.add(target);
  }
  edges.set(file, targets);
}

// src/<folder> (files directly in src/ are the composition root and sit above every folder).
const folderOf = (file) => {
  const rel = path.relative(root, file).split(path.sep);
  if (rel[0] === 'web') return 'web';
  return rel.length > 2 ? `src/${rel[1]}` : null;
};

function cycles(graph) {
  // Tarjan's strongly connected components; any component with more than one node is a cycle.
  let index = 0;
  const stack = [], onStack = new Set(), idx = new Map(), low = new Map(), out = [];
  const visit = (v) => {
    idx.set(v, index); low.set(v, index); index++; stack.push(v); onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const component = [];
      let w;
      do { w = stack.pop(); onStack.delete(w); component.push(w); } while (w !== v);
      if (component.length > 1) out.push(component);
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

const folderGraph = new Map();
const folderEdgeFiles = new Map();
for (const [from, targets] of edges) {
  const a = folderOf(from);
  if (!a) continue;
  if (!folderGraph.has(a)) folderGraph.set(a, new Set());
  for (const to of targets) {
    const b = folderOf(to);
    if (!b || b === a) continue;
    folderGraph.get(a).add(b);
    const key = `${a} -> ${b}`;
    if (!folderEdgeFiles.has(key)) folderEdgeFiles.set(key, []);
    folderEdgeFiles.get(key).push(`${path.relative(root, from)} -> ${path.relative(root, to)}`);
  }
}

let failed = false;
for (const component of cycles(folderGraph)) {
  failed = true;
  console.log(`folder cycle: ${component.sort().join(' <-> ')}`);
  for (const a of component) for (const b of component) {
    for (const line of folderEdgeFiles.get(`${a} -> ${b}`) ?? []) console.log(`  ${line}`);
  }
}
for (const component of cycles(edges)) {
  failed = true;
  console.log(`file cycle: ${component.map((f) => path.relative(root, f)).sort().join(' <-> ')}`);
}
for (const file of files) {
  const lines = readFileSync(file, 'utf8').split('\n').length - 1;
  if (lines > maxLines) { failed = true; console.log(`over ${maxLines} lines: ${path.relative(root, file)} (${lines})`); }
}
const edgeCount = [...folderGraph.values()].reduce((n, s) => n + s.size, 0);
console.log(`house: ${files.length} files, ${folderGraph.size} folders, ${edgeCount} folder edges; ${failed ? 'BREACHES above' : 'no folder cycle, no file cycle, no file over ' + maxLines + ' lines'}`);
process.exit(failed ? 1 : 0);
