// Memory decay R(k) per layer and head on a log axis, with the horizon (first k with R(k) < ε) marked.
#pragma once

#include "plots/curve_plot.h"

namespace eigenscope::ui {

class DecayPlot : public CurvePlot {
    Q_OBJECT
public:
    explicit DecayPlot(QWidget* parent = nullptr);
    void setSource(const PlotSource& source);
};

}  // namespace eigenscope::ui
