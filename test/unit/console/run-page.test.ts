import { describe, expect, it } from "vitest";
import { renderRunPage } from "../../../cli/console/views/run-page.ts";
import { inspectionOf, pluginFailure, runningRun, T0 } from "./fixtures.ts";

describe("the run page", () => {
  it("names the failed phase and plugin in the status line, the chart and the error", () => {
    const page = renderRunPage(inspectionOf(pluginFailure, T0 + 10_000)).value;

    expect(page).toContain("failed in 4.2s: PluginInitError in runtime-plugins (plugin search)");
    expect(page).toMatch(/<text class="gantt-label gantt-plugin"[^>]*>search<\/text>/);
    expect(page).toMatch(
      /<rect class="gantt-bar gantt-failed"[^>]*><title>search: started \+1\.1s, 3\.0s of 3s, timed-out/,
    );
    expect(page).toContain("in phase <strong>runtime-plugins</strong> (plugin <strong>search</strong>)");
    expect(page).toContain("search hung in initialize");
    expect(page).toContain("Check plugin &quot;search&quot;");
  });

  it("draws a deadline inside the chart as a line, and one beyond it as an arrow at the edge", () => {
    const page = renderRunPage(inspectionOf(pluginFailure, T0 + 10_000)).value;

    // search's deadline (+4.1s) lies inside the 4.2s chart; setup's (+10s) beyond it.
    expect(page).toMatch(/<line class="gantt-deadline"[^>]*><title>search's deadline: 3s after it started/);
    expect(page).toMatch(
      /<path class="gantt-deadline-beyond"[^>]*><title>setup's deadline lies beyond the chart/,
    );
    expect(page).toContain("not reached");
  });

  it("draws a running run's phase as in progress up to now, and says the page follows it", () => {
    const page = renderRunPage(inspectionOf(runningRun, T0 + 6_000)).value;

    expect(page).toContain("running for 6.0s, phase agent-turn");
    expect(page).toMatch(
      /<rect class="gantt-bar gantt-active"[^>]*><title>agent-turn: started \+100ms, 5\.9s of 4\.9s/,
    );
    expect(page).toContain('data-live-id="run"');
  });

  it("escapes what the run recorded", () => {
    const page = renderRunPage(inspectionOf(pluginFailure, T0 + 10_000)).value;
    expect(page).toContain("within its 3s timeout &lt;b&gt;");
    expect(page).not.toContain("timeout <b>");
  });

  it("shows every line of the output kept with the run, and a command agent's stderr end, escaped", () => {
    const inspection = {
      ...inspectionOf(pluginFailure, T0 + 10_000),
      output: {
        text: "line one\nline <two>\nline three",
        bytes: 30,
        truncated: false,
        stderrTail: "fatal: <no config>",
      },
    };
    const page = renderRunPage(inspection).value;
    expect(page).toContain('<pre class="output">line one\nline &lt;two&gt;\nline three</pre>');
    expect(page).toContain("<h3>stderr, its end</h3>");
    expect(page).toContain("fatal: &lt;no config&gt;");
  });
});
