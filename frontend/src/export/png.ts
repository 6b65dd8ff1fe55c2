// The current chart as a PNG (ECharts getDataURL). The chain map draws in SVG (so its
// boxes are DOM), so it is exported through a temporary canvas instance of the same option.

import type { EChartsType } from 'echarts/core';
import { downloadBlob } from './csv';

export async function chartPng(chart: EChartsType, opts: { svg?: boolean; extraOption?: object } = {}): Promise<Blob> {
  let url: string;
  if (opts.svg) {
    const { echarts } = await import('../charts/geo'); // registers the canvas renderer
    const host = document.createElement('div');
    host.className = 'offscreen-chart';
    document.body.appendChild(host);
    const w = chart.getWidth();
    const hgt = chart.getHeight();
    const tmp = echarts.init(host, null, { renderer: 'canvas', width: w, height: hgt });
    try {
      const option = chart.getOption() as Record<string, unknown>;
      tmp.setOption({ ...option, animation: false });
      if (opts.extraOption) tmp.setOption(opts.extraOption as Record<string, unknown>);
      url = tmp.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#ffffff' });
    } finally {
      tmp.dispose();
      host.remove();
    }
  } else {
    url = chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#ffffff' });
  }
  return dataUrlToBlob(url);
}

/** Decodes a base64 data: URL (not through fetch: connect-src 'self' refuses data:). */
export function dataUrlToBlob(url: string): Blob {
  const comma = url.indexOf(',');
  const meta = url.slice(5, comma);
  const type = meta.split(';')[0] || 'application/octet-stream';
  const data = url.slice(comma + 1);
  if (!meta.includes(';base64')) return new Blob([decodeURIComponent(data)], { type });
  const bin = atob(data);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Blob([bytes], { type });
}

export async function downloadChartPng(chart: EChartsType, filename: string, opts?: { svg?: boolean; extraOption?: object }) {
  downloadBlob(await chartPng(chart, opts), filename);
}
