// The agentcron console's only script. Pages work without it (every action is a form POST); it
// keeps a page's live parts current and stops a slow action from being sent twice.

(() => {
  const main = document.querySelector("main[data-live-source]");
  if (main && "EventSource" in window) followLive(main, main.dataset.liveSource);

  // An action may wait a few seconds for the deployment (run now waits for dispatch's answer):
  // one press sends it once.
  for (const form of document.querySelectorAll("form[method='post']")) {
    form.addEventListener("submit", () => {
      for (const button of form.querySelectorAll("button[type='submit']")) {
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
        button.textContent = `${button.textContent} …`;
      }
    });
  }

  /**
   * Opens the page's event stream and swaps in each `data-live-id` part the server sends, keeping
   * the keyboard focus where it was. The stream is closed while the tab is hidden (no reads for a
   * page nobody sees) and reopened when it shows again, unless the page has ended ("final").
   */
  function followLive(root, source) {
    const indicator = document.createElement("p");
    indicator.className = "live-indicator";
    indicator.setAttribute("role", "status");
    indicator.textContent = "Live";
    // After the action's notice, if there is one, so the two never overlap.
    const notice = root.querySelector(".notice");
    root.insertBefore(indicator, notice ? notice.nextSibling : root.firstChild);
    let stream;
    let ended = false;

    const apply = (markup) => {
      const incoming = new DOMParser().parseFromString(`<main>${markup}</main>`, "text/html");
      const focusKey = focusKeyOf(document.activeElement);
      for (const fresh of incoming.querySelectorAll("[data-live-id]")) {
        const current = root.querySelector(`[data-live-id="${fresh.dataset.liveId}"]`);
        if (current && current.innerHTML !== fresh.innerHTML) current.replaceChildren(...fresh.childNodes);
      }
      if (focusKey) restoreFocus(root, focusKey);
      indicator.textContent = `Live · updated ${new Date().toISOString().slice(11, 19)} UTC`;
      indicator.classList.remove("live-problem");
    };
    const open = () => {
      if (ended || stream) return;
      stream = new EventSource(source);
      stream.addEventListener("update", (event) => apply(event.data));
      stream.addEventListener("final", (event) => {
        apply(event.data);
        ended = true;
        close();
        indicator.textContent = "Ended · this page no longer changes";
      });
      stream.addEventListener("problem", (event) => {
        indicator.textContent = event.data;
        indicator.classList.add("live-problem");
      });
    };
    const close = () => {
      stream?.close();
      stream = undefined;
    };
    document.addEventListener("visibilitychange", () => (document.hidden ? close() : open()));
    if (!document.hidden) open();
  }

  /** Something that finds the focused element again in the new markup: its id, or its link/field. */
  function focusKeyOf(element) {
    if (!element || element === document.body) return undefined;
    if (element.id) return `#${CSS.escape(element.id)}`;
    if (element.getAttribute("href")) return `[href="${CSS.escape(element.getAttribute("href"))}"]`;
    if (element.getAttribute("name")) return `[name="${CSS.escape(element.getAttribute("name"))}"]`;
    return undefined;
  }

  function restoreFocus(root, key) {
    if (document.activeElement && document.activeElement !== document.body) return;
    root.querySelector(key)?.focus({ preventScroll: true });
  }
})();
