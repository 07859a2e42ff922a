/** Where the CLI writes; injected so tests can capture it. */
export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/**
 * Colour only on a terminal, and never when NO_COLOR is set to anything but the empty string
 * (https://no-color.org).
 */
export function colourEnabled(stream: Pick<OutputStream, "isTTY">, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && !(env.NO_COLOR !== undefined && env.NO_COLOR !== "");
}

export interface Style {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  /** A run status in its colour: green succeeded, red failures, yellow cancelled/timed-out, cyan active. */
  status(status: string, text?: string): string;
}

const STATUS_PAINT: Record<string, keyof Pick<Style, "green" | "red" | "yellow" | "cyan">> = {
  succeeded: "green",
  failed: "red",
  stalled: "red",
  abandoned: "red",
  "not-started": "red",
  "timed-out": "yellow",
  cancelled: "yellow",
  running: "cyan",
  queued: "cyan",
};

export function createStyle(enabled: boolean): Style {
  const sgr = (code: number) => (text: string) => (enabled && text ? `\x1b[${code}m${text}\x1b[0m` : text);
  const style: Style = {
    enabled,
    bold: sgr(1),
    dim: sgr(2),
    red: sgr(31),
    green: sgr(32),
    yellow: sgr(33),
    cyan: sgr(36),
    status(status, text = status) {
      const paint = STATUS_PAINT[status];
      return paint ? style[paint](text) : text;
    },
  };
  return style;
}

// The escape character written out: a regex literal with it trips the control-character lint.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, "g");

/** The width a string takes on a terminal (escape sequences take none). */
export function visibleLength(text: string): number {
  return [...text.replace(ANSI, "")].length;
}

/** Pads to a visible width, ignoring escape sequences. */
export function padVisible(text: string, width: number, align: "left" | "right" = "left"): string {
  const padding = " ".repeat(Math.max(0, width - visibleLength(text)));
  return align === "left" ? `${text}${padding}` : `${padding}${text}`;
}

export interface Column {
  readonly header: string;
  readonly align?: "left" | "right";
}

/**
 * A plain-text table: a header and one line per row, columns two spaces apart, each as wide as its
 * widest cell; the last column is not padded (no trailing spaces).
 */
export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  style?: Style,
): string[] {
  const widths = columns.map((column, index) =>
    Math.max(visibleLength(column.header), ...rows.map((row) => visibleLength(row[index] ?? ""))),
  );
  const format = (cells: readonly string[]) =>
    cells
      .map((cell, index) => {
        const last = index === cells.length - 1;
        const align = columns[index]?.align ?? "left";
        return last && align === "left" ? cell : padVisible(cell, widths[index] ?? 0, align);
      })
      .join("  ")
      .trimEnd();
  const header = format(columns.map((column) => column.header));
  return [
    style ? style.dim(header) : header,
    ...rows.map((row) => format(columns.map((_, index) => row[index] ?? ""))),
  ];
}

/**
 * What commands write to. In `--json` mode a command writes one JSON document to stdout and its
 * human text goes nowhere; errors and warnings always go to stderr.
 */
export class Output {
  readonly style: Style;
  /** Whether the command's JSON document was written (so an error adds none after it). */
  wroteData = false;

  constructor(
    readonly stdout: OutputStream,
    readonly stderr: OutputStream,
    readonly json: boolean,
    colour: boolean,
  ) {
    this.style = createStyle(colour && !json);
  }

  /** Whether stdout is a terminal a live display can redraw (never in `--json` mode). */
  get interactive(): boolean {
    return this.stdout.isTTY === true && !this.json;
  }

  /** Human text (nothing in `--json` mode). */
  line(text = ""): void {
    if (!this.json) this.stdout.write(`${text}\n`);
  }

  lines(lines: readonly string[]): void {
    for (const line of lines) this.line(line);
  }

  /** Writes `value` as the command's JSON document (only in `--json` mode, and only the first one). */
  data(value: unknown): void {
    if (!this.json || this.wroteData) return;
    this.wroteData = true;
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  warn(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  error(text: string): void {
    this.stderr.write(`${text}\n`);
  }
}

/**
 * Word-wraps `text` to `width` columns; every line after the first is indented by `indent` spaces
 * (the first is assumed to follow a label of that width). Lines already in the text are kept.
 */
export function wrapText(text: string, width: number, indent: number): string {
  const room = Math.max(20, width - indent);
  const out: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(/ +/)) {
      if (line && line.length + 1 + word.length > room) {
        out.push(line);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    out.push(line);
  }
  return out.join(`\n${" ".repeat(indent)}`);
}

/** `42%` — a ratio as a whole percentage. */
export function percent(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}

/** Shortens text to `max` characters on one line, with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, Math.max(0, max - 1))}…`;
}
