// Text whose contrast with its background is under WCAG AA (4.5:1, large text 3:1), and SVG chart
// bars under 3:1 against the chart's background. Returns [{text, ratio, needed, color, background}].
() => {
  const parse = (value) => {
    const m = value.match(/rgba?\(([\d.]+),?\s*([\d.]+),?\s*([\d.]+)(?:[,/]\s*([\d.]+%?))?\)/);
    if (!m) return null;
    let alpha = m[4] === undefined ? 1 : parseFloat(m[4]);
    if (m[4] && m[4].endsWith("%")) alpha /= 100;
    return [+m[1], +m[2], +m[3], alpha];
  };
  const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat(1);
  const background = (element) => {
    const layers = [];
    for (let node = element; node && node.nodeType === 1; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour && colour[3] > 0) {
        layers.push(colour);
        if (colour[3] >= 1) break;
      }
    }
    let result = [255, 255, 255, 1];
    for (const layer of layers.reverse()) result = over(layer, result);
    return result;
  };
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const visible = (element) => {
    const box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    return box.width > 0 && box.height > 0 && style.visibility !== "hidden" && style.opacity !== "0";
  };
  const failures = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const element = node.parentElement;
    if (!node.textContent.trim() || seen.has(element) || !visible(element)) continue;
    if (element.closest("svg, noscript, script, style, [disabled], [aria-hidden=true]")) continue;
    seen.add(element);
    const style = getComputedStyle(element);
    const fg = parse(style.color);
    const bg = background(element);
    const size = parseFloat(style.fontSize);
    const bold = parseInt(style.fontWeight, 10) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    const value = ratio(over(fg, bg), bg);
    if (value < needed) {
      failures.push({ text: node.textContent.trim().slice(0, 40), ratio: +value.toFixed(2), needed,
                      color: style.color, background: `rgb(${bg.slice(0, 3).map(Math.round)})` });
    }
  }
  for (const bar of document.querySelectorAll(".hub-chart rect")) {
    const fill = parse(getComputedStyle(bar).fill);
    const bg = background(bar.closest("figure"));
    const value = ratio(over(fill, bg), bg);
    if (value < 3) failures.push({ text: "chart bar", ratio: +value.toFixed(2), needed: 3,
                                   color: getComputedStyle(bar).fill, background: `rgb(${bg.slice(0, 3)})` });
  }
  return failures;
}
