// One snapshot select per dataset the statement reads: "current" or a pinned version.
import { useSnapshots } from "../datasets/queries";
import { formatCount, formatTime } from "../../format";
import type { Versions } from "./queryApi";

export function Pins({ names, pins, onChange, read }: { names: string[]; pins: Versions; onChange: (pins: Versions) => void; read?: Versions }) {
  return (
    <div className="pins" data-testid="query-pins">
      {names.length === 0 ? (
        <span className="muted">Name a dataset to pin it to a snapshot.</span>
      ) : (
        names.map((name) => (
          <Pin
            key={name}
            name={name}
            version={pins[name]}
            read={read?.[name]}
            onChange={(version) => {
              const next = { ...pins };
              if (version === undefined) {
                delete next[name];
              } else {
                next[name] = version;
              }
              onChange(next);
            }}
          />
        ))
      )}
    </div>
  );
}

function Pin({ name, version, read, onChange }: { name: string; version?: number; read?: number; onChange: (version?: number) => void }) {
  const snapshots = useSnapshots(name);
  const listed = snapshots.data ?? [];
  // A pin from a link may name a version the list does not (yet) show: keep it selectable.
  const versions = version !== undefined && !listed.some((s) => s.version === version) ? [{ version, rowCount: undefined, createdAt: undefined }, ...listed] : listed;
  return (
    <label className="pin" data-testid="query-pin" data-dataset={name}>
      <code>{name}</code>{" "}
      <select data-testid="query-pin-version" value={version ?? ""} onChange={(e) => onChange(e.target.value === "" ? undefined : Number(e.target.value))}>
        <option value="">current{listed[0] ? ` (v${listed[0].version})` : ""}</option>
        {versions.map((s) => (
          <option key={s.version} value={s.version}>
            v{s.version}
            {s.createdAt ? ` · ${formatTime(s.createdAt)} · ${formatCount(s.rowCount)} rows` : ""}
          </option>
        ))}
      </select>
      {read !== undefined && (
        <span className="muted" data-testid="query-pin-read">
          {" "}
          read v{read}
        </span>
      )}
    </label>
  );
}
