// The map parts of ECharts (loaded with the map views, not in the main bundle).

import { echarts } from './core';
import { ScatterChart, LinesChart } from 'echarts/charts';
import { GeoComponent, LegendComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([ScatterChart, LinesChart, GeoComponent, LegendComponent, CanvasRenderer]);

export { echarts };
