// The apps' logs (every line they printed during the suite) must not hold any secret the suite sent: authenticators,
// the admin key, content keys, keks, tokens; neither as sent nor percent-encoded.
export function logsCheck(ctx, check) {
  const { tokenGen, rights } = ctx.apps;
  const found = new Map(); // what → { app, lines, example }
  const needles = [...ctx.secrets].flatMap(([value, what]) =>
    [...new Set([value, encodeURIComponent(value), value.toUpperCase()])].map((needle) => [needle, what, value]),
  );
  for (const app of [tokenGen, rights]) {
    for (const line of app.lines) {
      for (const [needle, what] of needles) {
        if (!line.includes(needle)) continue;
        const entry = found.get(what) ?? { apps: new Set(), lines: 0, example: line };
        entry.apps.add(app.name);
        entry.lines += 1;
        found.set(what, entry);
      }
    }
  }
  const hide = (line) => needles.reduce((text, [needle]) => text.split(needle).join('<secret>'), line).slice(0, 240);
  const lines = tokenGen.lines.length + rights.lines.length;
  const kinds = [...found].map(([what, e]) => `${what} (${[...e.apps].join(', ')}: ${e.lines} lines)`);
  check(
    `logs: no secret the suite sent appears in the apps' ${lines} log lines (${ctx.secrets.size} secrets)`,
    lines > 0 && found.size === 0,
    found.size === 0
      ? `token-gen ${tokenGen.lines.length} lines, rights ${rights.lines.length}`
      : `${kinds.join(', ')}; e.g. ${[...new Set([...found.values()].map((e) => hide(e.example)))].slice(0, 2).join(' | ')}`,
  );
}
