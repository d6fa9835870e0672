// Sliders drawn by snippets/render.py's slider(): every frame is already on the page as an <img>
// (one per palette); moving the range input shows the frames of the chosen value and hides the rest.
function sgdSliders() {
  for (const figure of document.querySelectorAll("figure.sgd-slider")) {
    const input = figure.querySelector("input[type=range]");
    if (!input || input.dataset.ready) continue;
    input.dataset.ready = "yes";
    const output = figure.querySelector("output");
    const labels = JSON.parse(input.dataset.labels);
    const show = () => {
      for (const img of figure.querySelectorAll("img[data-frame]")) {
        const current = img.dataset.frame === input.value;
        img.hidden = !current;
        if (current) img.loading = "eager";
      }
      output.textContent = labels[input.value];
      input.setAttribute("aria-valuetext", labels[input.value]);
    };
    input.addEventListener("input", show);
    show();
  }
}
document.addEventListener("DOMContentLoaded", sgdSliders);
