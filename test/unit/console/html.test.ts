import { describe, expect, it } from "vitest";
import { escapeHtml, html } from "../../../cli/console/html.ts";

describe("html templates", () => {
  it("escape every interpolated value, so data never becomes markup", () => {
    const message = `<script>alert("x")</script> & 'quotes'`;
    expect(html`<p title="${message}">${message}</p>`.value).toBe(
      `<p title="${escapeHtml(message)}">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;</p>`,
    );
  });

  it("nest other templates as markup, join arrays, and render nothing for undefined, null and false", () => {
    const items = ["a<b", "c"].map((item) => html`<li>${item}</li>`);
    expect(html`<ul>${items}</ul>${undefined}${null}${false}${0}`.value).toBe(
      "<ul><li>a&lt;b</li><li>c</li></ul>0",
    );
  });
});
