// Progressive enhancement only: the pages work without it.
document.addEventListener("keydown", (e) => {
  const box = document.getElementById("q");
  if (e.key === "/" && box && document.activeElement !== box) { e.preventDefault(); box.focus(); }
});
