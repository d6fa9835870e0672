// The figures a reader drives, drawn by snippets/drawing/render.py, and the formulas' scroll boxes.
// Ours, a few dozen lines each, with no third-party script: the site loads nothing from elsewhere.

// A display formula wider than the column scrolls in its own box (sitebuild/mathml.py gives each
// one tabindex="0", so that a keyboard can scroll it); one that fits is no stop for the Tab key.
// A ResizeObserver measures them after the browser's own layout, so loading a page forces none.
function sgdFormulaFits(box) {
  if (box.scrollWidth > box.clientWidth + 1) box.setAttribute("tabindex", "0");
  else box.removeAttribute("tabindex");
}
const sgdFormulaBoxes = new ResizeObserver((entries) => entries.forEach((e) => sgdFormulaFits(e.target)));
function sgdFormulas() {
  for (const box of document.querySelectorAll(".sgd-math")) sgdFormulaBoxes.observe(box);
}

// GIFs as render.gif_bytes writes them (and any plain GIF87a/89a, not interlaced): the frames'
// rectangles, palettes, delays and LZW data, decoded one frame at a time when a frame is asked for.
function sgdParseGif(bytes) {
  const u16 = (i) => bytes[i] | (bytes[i + 1] << 8);
  const table = (at, flags) => {
    const n = 3 << ((flags & 7) + 1);
    return [bytes.subarray(at, at + n), at + n];
  };
  const width = u16(6), height = u16(8), flags = bytes[10];
  let at = 13, global = null, control = { delay: 10, transparent: -1, disposal: 0 };
  if (flags & 0x80) [global, at] = table(at, flags);
  const frames = [];
  const blocks = () => {  // the data sub-blocks from `at`, joined
    const parts = [];
    let size = 0;
    while (bytes[at]) { parts.push(bytes.subarray(at + 1, at + 1 + bytes[at])); size += bytes[at]; at += bytes[at] + 1; }
    at += 1;
    const data = new Uint8Array(size);
    let o = 0;
    for (const part of parts) { data.set(part, o); o += part.length; }
    return data;
  };
  while (at < bytes.length && bytes[at] !== 0x3b) {
    if (bytes[at] === 0x21) {
      const label = bytes[at + 1];
      at += 2;
      const data = blocks();
      if (label === 0xf9) control = {
        disposal: (data[0] >> 2) & 7,
        delay: data[1] | (data[2] << 8),
        transparent: data[0] & 1 ? data[3] : -1,
      };
    } else if (bytes[at] === 0x2c) {
      const frame = { x: u16(at + 1), y: u16(at + 3), w: u16(at + 5), h: u16(at + 7), ...control };
      const own = bytes[at + 9];
      at += 10;
      frame.palette = global;
      if (own & 0x80) [frame.palette, at] = table(at, own);
      if (own & 0x40) throw new Error("interlaced GIF");
      frame.minCode = bytes[at++];
      frame.data = blocks();
      frames.push(frame);
      control = { delay: 10, transparent: -1, disposal: 0 };
    } else {
      throw new Error(`GIF block ${bytes[at]} at ${at}`);
    }
  }
  return { width, height, frames };
}

function sgdLzw(minCode, data, count) {
  const out = new Uint8Array(count);
  const clear = 1 << minCode, end = clear + 1;
  const prefix = new Int16Array(4096), suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096), length = new Uint16Array(4096);
  for (let i = 0; i < clear; i++) { prefix[i] = -1; suffix[i] = first[i] = i; length[i] = 1; }
  let size = minCode + 1, next = end + 1, previous = -1, bits = 0, buffer = 0, o = 0;
  for (let i = 0; o < count;) {
    while (bits < size && i < data.length) { buffer |= data[i++] << bits; bits += 8; }
    if (bits < size) break;
    const code = buffer & ((1 << size) - 1);
    buffer >>>= size;
    bits -= size;
    if (code === clear) { size = minCode + 1; next = end + 1; previous = -1; continue; }
    if (code === end) break;
    if (previous !== -1 && next < 4096) {
      prefix[next] = previous;
      first[next] = first[previous];
      suffix[next] = code < next ? first[code] : first[previous];
      length[next] = length[previous] + 1;
      next += 1;
      if (next === 1 << size && size < 12) size += 1;
    }
    if (code >= next) break;  // not a code this stream can hold: stop, leaving the rest clear
    for (let k = o + length[code] - 1, c = code; k >= o; k--, c = prefix[c]) if (k < count) out[k] = suffix[c];
    o += length[code];
    previous = code;
  }
  return out;
}

// One animation's frames as RGBA screens: frame k is drawn over frame k - 1, so going back starts
// again from the nearest kept screen (one every KEEP frames) rather than from the first.
class SgdFrames {
  static KEEP = 12;

  constructor(gif) {
    Object.assign(this, gif);
    this.screen = new Uint8ClampedArray(gif.width * gif.height * 4);
    this.at = -1;
    this.kept = [];
  }

  apply(k) {
    const f = this.frames[k], screen = this.screen, w = this.width;
    const pixels = sgdLzw(f.minCode, f.data, f.w * f.h);
    for (let row = 0; row < f.h; row++) {
      for (let col = 0; col < f.w; col++) {
        const index = pixels[row * f.w + col];
        if (index === f.transparent) continue;
        const o = ((f.y + row) * w + f.x + col) * 4;
        screen[o] = f.palette[3 * index];
        screen[o + 1] = f.palette[3 * index + 1];
        screen[o + 2] = f.palette[3 * index + 2];
        screen[o + 3] = 255;
      }
    }
    this.at = k;
    if (k % SgdFrames.KEEP === 0 && !this.kept[k / SgdFrames.KEEP]) this.kept[k / SgdFrames.KEEP] = screen.slice();
  }

  show(k) {  // the screen of frame k
    if (k !== this.at) {
      let from = this.at;
      if (k < this.at || this.at < 0) {
        const keep = Math.floor(k / SgdFrames.KEEP);
        if (this.kept[keep]) { this.screen.set(this.kept[keep]); from = keep * SgdFrames.KEEP; }
        else { this.screen.fill(0); from = -1; }
      }
      for (let j = from + 1; j <= k; j++) {
        if (j > 0 && this.frames[j - 1].disposal === 2) this.clearRect(this.frames[j - 1]);
        this.apply(j);
      }
      this.at = k;
    }
    return new ImageData(this.screen, this.width, this.height);
  }

  clearRect(f) {
    for (let row = f.y; row < f.y + f.h; row++) this.screen.fill(0, (row * this.width + f.x) * 4, (row * this.width + f.x + f.w) * 4);
  }
}

// The player (render.animation): the page shows the animation's last frame (a PNG of 10 KB or so)
// until the player reaches it on screen or is used; then it fetches the GIF and draws its frames on
// a canvas, so it can stop, step and scrub. Under prefers-reduced-motion: reduce nothing moves, or
// is fetched, until the reader asks.
class SgdPlayer {
  constructor(figure) {
    this.figure = figure;
    this.labels = JSON.parse(figure.dataset.labels);
    this.controls = figure.querySelector(".sgd-player");
    const q = (name) => this.controls.querySelector(`.sgd-player__${name}`);
    [this.playButton, this.scrub, this.label] = [q("play"), q("scrub"), q("label")];
    this.at = this.labels.length - 1;
    this.playing = false;
    this.frames = {};  // by GIF address: one per palette, decoded when first shown
    this.canvas = document.createElement("canvas");
    this.canvas.className = "sgd-animation__canvas";
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute("aria-label", figure.querySelector("img").alt);
    this.frame = figure.querySelector(".sgd-animation__frame");
    this.frame.append(this.canvas);
    this.playButton.addEventListener("click", () => (this.playing ? this.pause() : this.play()));
    q("back").addEventListener("click", () => this.step(-1));
    q("forward").addEventListener("click", () => this.step(1));
    // full size: on a narrow screen the frame keeps its own width, in a box that scrolls sideways
    const full = q("full");
    full.addEventListener("click", () => {
      const on = figure.classList.toggle("sgd-animation--full");
      full.setAttribute("aria-pressed", String(on));
      if (on) this.frame.setAttribute("tabindex", "0");
      else this.frame.removeAttribute("tabindex");
    });
    this.scrub.addEventListener("input", () => {
      const k = Number(this.scrub.value);
      this.pause();
      this.go(k);
    });
    this.controls.hidden = false;
    this.update();
  }

  source() {  // the GIF of the palette showing now (the page shows its still until then)
    // Material shows #only-dark images in its slate scheme and #only-light ones in the others;
    // reading the scheme, rather than the images' computed style, forces no style recalculation
    const theme = document.body.getAttribute("data-md-color-scheme") === "slate" ? "dark" : "light";
    const imgs = [...this.figure.querySelectorAll("picture img")];
    const img = imgs.find((i) => i.getAttribute("src").endsWith(`#only-${theme}`)) || imgs[0];
    return img.dataset.gif;
  }

  async load() {
    const src = this.source();
    if (!this.frames[src]) {
      this.frames[src] = (async () => {
        const response = await fetch(src);
        return new SgdFrames(sgdParseGif(new Uint8Array(await response.arrayBuffer())));
      })();
    }
    const frames = await this.frames[src];
    if (this.canvas.width !== frames.width) [this.canvas.width, this.canvas.height] = [frames.width, frames.height];
    return frames;
  }

  async draw() {
    const frames = await this.load();
    this.canvas.getContext("2d").putImageData(frames.show(this.at), 0, 0);
    this.figure.classList.add("sgd-animation--drawn");
    return frames;
  }

  async go(k) {
    this.at = (k + this.labels.length) % this.labels.length;
    this.update();
    return this.draw();
  }

  step(by) { this.pause(); this.go(this.at + by); }

  async play(from) {
    this.playing = true;
    this.update();
    clearTimeout(this.timer);
    const frames = await this.go(from ?? (this.at === this.labels.length - 1 ? 0 : this.at + 1));
    const tick = () => {
      if (!this.playing) return;
      this.timer = setTimeout(async () => {
        if (!this.playing) return;
        await this.go(this.at + 1);
        tick();
      }, Math.max(20, 10 * frames.frames[this.at].delay));
    };
    tick();
  }

  pause() {
    this.playing = false;
    clearTimeout(this.timer);
    this.update();
  }

  update() {
    const text = this.labels[this.at];
    this.playButton.setAttribute("aria-label", this.playing ? "Pause" : "Play");
    this.playButton.querySelector("span").textContent = this.playing ? "\u275A\u275A" : "\u25B6\uFE0E";
    this.scrub.value = this.at;
    this.scrub.setAttribute("aria-valuetext", text);
    this.label.textContent = text;
  }
}

function sgdPlayers() {
  const still = matchMedia("(prefers-reduced-motion: reduce)").matches;
  const players = [];
  for (const figure of document.querySelectorAll("figure.sgd-animation")) {
    if (figure.dataset.ready) continue;
    figure.dataset.ready = "yes";
    players.push(new SgdPlayer(figure));
  }
  // a palette switch: draw the frame showing from the other palette's GIF
  new MutationObserver(() => {
    for (const p of players) if (p.figure.classList.contains("sgd-animation--drawn")) p.draw();
  }).observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });
  if (still) return;
  // without reduced motion, each animation plays while it is on screen, from its first frame
  const seen = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const p = players.find((q) => q.figure === entry.target);
      if (entry.isIntersecting && !p.stopped) p.play(p.started ? undefined : 0);
      else if (!entry.isIntersecting && p.playing) { p.pause(); }
      p.started = true;
    }
  }, { rootMargin: "100px" });
  for (const p of players) {
    // a reader's pause, step or scrub holds until they press play again
    p.controls.addEventListener("click", (e) => { if (e.target.closest("button, input")) p.stopped = !p.playing; });
    p.scrub.addEventListener("input", () => { p.stopped = true; });
    seen.observe(p.figure);
  }
}

// Explorables (render.explorable): one frame per combination of the knobs' values, drawn by the
// build. The page holds the start frame; the manifest (data-manifest) names every frame and its
// alt text, and a frame is fetched when the reader moves to it (with its neighbours, so that
// scrubbing is smooth). The state is kept in the address, ?<name>=i-j-..., so a link shows it.
class SgdExplorable {
  constructor(figure) {
    this.figure = figure;
    this.name = figure.id;
    this.knobs = [...figure.querySelectorAll(".sgd-knob")];
    this.state = this.knobs.map((k) => Number((k.querySelector("input:checked, input[type=range]") || {}).value || 0));
    this.shape = this.knobs.map((k) => (k.matches(".sgd-knob--buttons") ? k.querySelectorAll("input").length : Number(k.querySelector("input").max) + 1));
    this.points = JSON.parse(figure.dataset.points || "{}");
    this.imgs = [...figure.querySelectorAll(".sgd-explorable__frame img")];
    this.knobs.forEach((knob, i) => {
      knob.addEventListener("input", (e) => this.set(i, Number(e.target.value)));
      for (const b of knob.querySelectorAll("button[data-by]")) b.addEventListener("click", () => this.stepOn(i, Number(b.dataset.by)));
    });
    const frame = figure.querySelector(".sgd-explorable__frame");
    for (const [key, spots] of Object.entries(this.points)) {
      const i = this.knobs.findIndex((k) => k.dataset.key === key);
      frame.classList.add("sgd-explorable__frame--pick");
      frame.addEventListener("click", (e) => {
        const r = e.target.getBoundingClientRect();
        const [x, y] = [(e.clientX - r.left) / r.width, (e.clientY - r.top) / r.height];
        const d = spots.map(([px, py]) => ((px - x) * r.width) ** 2 + ((py - y) * r.height) ** 2);
        this.set(i, d.indexOf(Math.min(...d)));
      });
    }
    const full = figure.querySelector(".sgd-explorable__full");
    full.addEventListener("click", () => {
      const on = figure.classList.toggle("sgd-explorable--full");
      full.setAttribute("aria-pressed", String(on));
      if (on) frame.setAttribute("tabindex", "0");
      else frame.removeAttribute("tabindex");
    });
    figure.querySelector(".sgd-explorable__controls").hidden = false;
    figure.dataset.state = this.state.join("-");
    this.read();
  }

  manifest() {
    const url = new URL(this.figure.dataset.manifest, location.href);
    this.loaded ??= fetch(url).then((r) => r.json()).then((m) => ({ ...m, url }));
    return this.loaded;
  }

  flat(state) { return state.reduce((at, v, i) => at * this.shape[i] + v, 0); }

  read() {  // the state the address gives, if any, else the one the page shows
    const given = new URLSearchParams(location.search).get(this.name);
    const state = given ? given.split("-").map(Number) : null;
    if (state && state.length === this.shape.length && state.every((v, i) => Number.isInteger(v) && v >= 0 && v < this.shape[i])) {
      this.state = state;
      this.show();
    }
  }

  set(i, value) {
    this.state[i] = Math.max(0, Math.min(this.shape[i] - 1, value));
    this.show();
    const url = new URL(location.href);
    url.searchParams.set(this.name, this.state.join("-"));
    history.replaceState(history.state, "", url);
  }

  stepOn(i, by) {  // a "steps" knob: to step 0, or to the first listed step at least `by` further on
    const steps = JSON.parse(this.knobs[i].dataset.steps);
    const at = this.state[i];
    const next = by === 0 ? 0 : steps.findIndex((s) => s >= steps[at] + by);
    this.set(i, next < 0 ? steps.length - 1 : next);
  }

  async show() {
    this.knobs.forEach((knob, i) => {
      const v = this.state[i];
      const range = knob.querySelector("input[type=range]");
      if (range) {
        range.value = v;
        const text = JSON.parse(range.dataset.labels)[v];
        range.setAttribute("aria-valuetext", text);
        knob.querySelector("output").textContent = text;
      } else {
        knob.querySelectorAll("input").forEach((r) => { r.checked = Number(r.value) === v; });
      }
    });
    const m = await this.manifest();
    const at = this.flat(this.state);
    for (const img of this.imgs) {
      const theme = img.getAttribute("src").endsWith("#only-dark") ? "dark" : "light";
      img.src = `${new URL(m.files[theme][at], m.url).href}#only-${theme}`;
      img.alt = m.alt[at];
    }
    this.figure.dataset.state = this.state.join("-");
    this.prefetch(m);
  }

  prefetch(m) {  // the neighbours of this state, in the palette showing
    const theme = document.body.getAttribute("data-md-color-scheme") === "slate" ? "dark" : "light";
    this.state.forEach((v, i) => {
      for (const w of [v - 1, v + 1]) {
        if (w < 0 || w >= this.shape[i]) continue;
        const near = [...this.state];
        near[i] = w;
        new Image().src = new URL(m.files[theme][this.flat(near)], m.url).href;
      }
    });
  }
}

function sgdExplorables() {
  const all = [];
  for (const figure of document.querySelectorAll("figure.sgd-explorable")) {
    if (figure.dataset.ready) continue;
    figure.dataset.ready = "yes";
    all.push(new SgdExplorable(figure));
  }
  addEventListener("popstate", () => all.forEach((e) => e.read()));
}

document.addEventListener("DOMContentLoaded", () => {
  sgdExplorables();
  sgdFormulas();
  sgdPlayers();
});
// the math font changes the formulas' widths, not their boxes'
document.fonts.addEventListener("loadingdone", () => requestAnimationFrame(() => document.querySelectorAll(".sgd-math").forEach(sgdFormulaFits)));
