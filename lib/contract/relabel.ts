/**
 * Prometheus target relabeling (`relabel_configs`), enough of it to compute the labels a target ends up with:
 * the actions replace, keep, drop, lowercase, uppercase, labelmap, labeldrop, labelkeep and hashmod, with
 * Prometheus' defaults (separator `;`, regex `(.*)` fully anchored, replacement `$1`, action `replace`) and Go's
 * `Regexp.Expand` rules for `$1`, `${1}` and `$name` (prometheus/prometheus model/relabel/relabel.go).
 */

/** One relabel step as written in a Prometheus configuration (snake_case keys). */
export interface RelabelConfig {
  readonly source_labels?: readonly string[];
  readonly separator?: string;
  readonly regex?: string;
  readonly modulus?: number;
  readonly target_label?: string;
  readonly replacement?: string;
  readonly action?: string;
}

export type Labels = Record<string, string>;

function anchored(regex: string | undefined): RegExp {
  // Go's RE2 `(?:` and `(?P<name>` are the same in JavaScript except the named-group spelling.
  return new RegExp(`^(?:${(regex ?? '(.*)').replaceAll('(?P<', '(?<')})$`, 's');
}

/** Go's Regexp.Expand: `$name` takes the longest run of word characters; a missing group expands to "". */
function expand(template: string, match: RegExpExecArray): string {
  return template.replace(/\$\$|\$\{(\w+)\}|\$(\w+)/g, (whole, braced?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const name = braced ?? bare ?? '';
    if (/^\d+$/.test(name)) return match[Number(name)] ?? '';
    return match.groups?.[name] ?? '';
  });
}

/** Applies relabel steps; `undefined` when a keep/drop step drops the target. Empty values are removed at the end. */
export function relabel(input: Readonly<Labels>, configs: readonly RelabelConfig[]): Labels | undefined {
  const labels: Labels = { ...input };
  for (const config of configs) {
    const action = (config.action ?? 'replace').toLowerCase();
    const value = (config.source_labels ?? []).map((name) => labels[name] ?? '').join(config.separator ?? ';');
    const regex = anchored(config.regex);
    const target = config.target_label ?? '';
    switch (action) {
      case 'replace': {
        const match = regex.exec(value);
        if (!match) break;
        const result = expand(config.replacement ?? '$1', match);
        const name = expand(target, match);
        if (result === '') delete labels[name];
        else labels[name] = result;
        break;
      }
      case 'keep':
        if (!regex.test(value)) return undefined;
        break;
      case 'drop':
        if (regex.test(value)) return undefined;
        break;
      case 'lowercase':
        labels[target] = value.toLowerCase();
        break;
      case 'uppercase':
        labels[target] = value.toUpperCase();
        break;
      case 'hashmod':
        // The shard a target falls in does not change its labels' meaning here: shard 0 of `modulus`.
        labels[target] = '0';
        break;
      case 'labelmap':
        for (const [name, v] of Object.entries({ ...labels })) {
          const match = regex.exec(name);
          if (match) labels[expand(config.replacement ?? '$1', match)] = v;
        }
        break;
      case 'labeldrop':
        for (const name of Object.keys(labels)) if (regex.test(name)) delete labels[name];
        break;
      case 'labelkeep':
        for (const name of Object.keys(labels)) if (!regex.test(name)) delete labels[name];
        break;
      default:
        throw new Error(`relabel: unsupported action "${config.action}"`);
    }
  }
  for (const [name, v] of Object.entries(labels)) if (v === '') delete labels[name];
  return labels;
}
