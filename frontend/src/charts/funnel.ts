// The funnel chart of the 招商 pipeline: ECharts' funnel series (registered here, loaded
// with the 招商线索 view only) on the SVG renderer core.ts already brings.

import { FunnelChart } from 'echarts/charts';
import { echarts } from './core';

echarts.use([FunnelChart]);

export { echarts };
