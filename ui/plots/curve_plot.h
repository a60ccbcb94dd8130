// Curves over a lag k on a log y axis, per layer either the median over its heads with a 10–90 % band, every head,
// or one head, with the reference dashed: the base of the impulse-response and memory-decay plots.
#pragma once

#include "plots/plot_source.h"
#include "plots/plot_widget.h"

#include <functional>
#include <limits>

namespace eigenscope::ui {

class CurvePlot : public PlotWidget {
    Q_OBJECT
public:
    using PlotWidget::PlotWidget;
    qint64 pointCount() const override;

protected:
    struct Curve {
        QString name;
        QColor colour;
        bool dashed = false;
        std::vector<double> y;       // index: k
        std::vector<double> lo, hi;  // a band around y (the heads' 10 and 90 % quantiles); empty: none
        int head = -1;               // the head it shows; −1: a median over heads
    };
    struct Marker {
        double x = 0, y = 0;
        QColor colour;
        QString text;
    };
    // One bulk replace of every curve and marker.
    void replaceCurves(std::vector<Curve> curves, std::vector<Marker> markers, const QString& xLabel,
                       const QString& yLabel, std::vector<LegendEntry> legend);
    static QColor curveColour(size_t layer, int64_t head, int64_t heads, bool singleLayer);
    static std::vector<LegendEntry> curveLegend(const PlotSource& source, const AnalysisResult& result);
    // One layer's curves as the source's head view asks, from `heads` rows of `length` values (row(h) points at
    // head h's), named "<label>: layer l" and dashed for the reference.
    static std::vector<Curve> layerCurves(const PlotSource& source, size_t layer, int64_t heads, size_t length,
                                          const std::function<const double*(int64_t)>& row, const QString& label,
                                          bool reference);
    void setHorizontalLine(double y) { horizontalLine_ = y; }

    void dataAxes(Axis& x, Axis& y) const override;
    void paintData(QPainter& painter, const Frame& frame) const override;
    std::vector<LegendEntry> legend() const override { return legend_; }
    QString hoverText(const Frame& frame, QPointF pixel) const override;
    bool hasData() const override { return !curves_.empty(); }

private:
    std::vector<Curve> curves_;
    std::vector<Marker> markers_;
    std::vector<LegendEntry> legend_;
    Axis x_, y_;
    double horizontalLine_ = std::numeric_limits<double>::quiet_NaN();
};

}  // namespace eigenscope::ui
