// ECharts, tree-shaken: only what the chain map needs is in the main bundle. The maps
// register their extra parts from charts/geo.ts, loaded with their views.

import * as echarts from 'echarts/core';
import { GraphChart } from 'echarts/charts';
import { GraphicComponent, TooltipComponent, TitleComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([GraphChart, GraphicComponent, TooltipComponent, TitleComponent, SVGRenderer]);

// Test hooks (see main.ts): the tests read chart options through these, not pixels.
if (window.__chainmap) {
  window.__chainmap.getInstanceByDom = echarts.getInstanceByDom;
  window.__chainmap.getMap = echarts.getMap;
}

export { echarts };

export const FONT_FAMILY =
  '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "Hiragino Sans GB", "WenQuanYi Micro Hei", system-ui, sans-serif';

/** Common tooltip look (HTML tooltips: every data value must go through escapeHtml). */
export const TOOLTIP_BASE = {
  confine: true,
  backgroundColor: 'rgba(255,255,255,0.97)',
  borderColor: '#c5ccd6',
  borderWidth: 1,
  padding: [8, 10],
  textStyle: { color: '#1d2733', fontFamily: FONT_FAMILY, fontSize: 13 },
  extraCssText: 'box-shadow: 0 2px 8px rgba(20,30,50,.18); max-width: 340px; white-space: normal;',
};

/**
 * Paints now and calls back on the next frame (tests wait for body[data-ready]; the
 * maps also time their rendering this way). Returns the synchronous render time in ms.
 */
export function paintThen(chart: { getZr(): { flush(): void } }, t0: number, cb: (ms: number) => void): void {
  chart.getZr().flush();
  const ms = performance.now() - t0;
  requestAnimationFrame(() => requestAnimationFrame(() => cb(ms)));
}

let measureCtx: CanvasRenderingContext2D | null = null;

/** Width in px of text in a CSS font (for laying out chart legends). */
export function textWidth(text: string, font: string): number {
  measureCtx ??= document.createElement('canvas').getContext('2d');
  if (!measureCtx) return text.length * 13;
  measureCtx.font = font;
  return measureCtx.measureText(text).width;
}
