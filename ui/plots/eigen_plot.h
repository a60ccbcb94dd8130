// Eigenvalues of Λ_t in the complex plane with the unit circle: a scatter coloured by layer, head or time step,
// or a log-density image when there are more points than a scatter draws smoothly.
#pragma once

#include "plots/plot_source.h"
#include "plots/plot_widget.h"

#include <optional>

namespace eigenscope::ui {

class EigenPlot : public PlotWidget {
    Q_OBJECT
public:
    enum class Colouring { Layer, Head, Time };
    // Above this many points the plot draws a density image: bench/gui_bench scatter measured 9.5 ms for 160k
    // and 56 ms for 1M scatter points (800×800, 2 cores), so 200k keeps a redraw within one 60 Hz frame.
    static constexpr qint64 kDensityThreshold = 200000;

    explicit EigenPlot(QWidget* parent = nullptr);
    void setSource(const PlotSource& source);
    void setColouring(Colouring colouring);
    qint64 pointCount() const override { return qint64(points_.size()); }
    bool densityMode() const { return densityOverride_.value_or(pointCount() > kDensityThreshold); }
    // Forces scatter (false) or density (true) regardless of the point count; the benchmark compares both.
    void setDensityOverride(std::optional<bool> density) { densityOverride_ = density; update(); }

protected:
    void dataAxes(Axis& x, Axis& y) const override;
    void paintData(QPainter& painter, const Frame& frame) const override;
    std::vector<LegendEntry> legend() const override;
    QString hoverText(const Frame& frame, QPointF pixel) const override;
    bool equalAspect() const override { return true; }
    double rightMargin() const override { return timeBar() ? 84 : 12; }
    bool hasData() const override { return !points_.empty(); }

private:
    struct Point {
        float re, im;
        int layer, head, t, sample, mode;
    };
    static std::vector<Point> collect(const AnalysisResult& result, const PlotSource& source);
    int colourKey(const Point& p) const;
    QColor colourOf(int key) const;
    void paintDensity(QPainter& painter, const Frame& frame) const;
    bool timeBar() const { return colouring_ == Colouring::Time && !densityMode() && !points_.empty(); }

    PlotSource source_;
    std::vector<Point> points_, referencePoints_;
    Colouring colouring_ = Colouring::Layer;
    std::optional<bool> densityOverride_;
    int maxT_ = 1;
    double extent_ = 1.1;
};

}  // namespace eigenscope::ui
