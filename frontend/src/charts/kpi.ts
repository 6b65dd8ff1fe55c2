// The KPI chart of the 招商线索 view: bar and line series with their grid and legend,
// registered here and loaded with that view only, on the SVG renderer core.ts brings.

import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent } from 'echarts/components';
import { echarts } from './core';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent]);

export { echarts };
