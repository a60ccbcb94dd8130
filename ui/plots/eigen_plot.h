// Eigenvalues of Λ_t in the complex plane with the unit circle: a scatter coloured by layer, head or time step,
// or a log-density image when there are more points than a scatter draws smoothly.
#pragma once

#include "plots/plot_source.h"
#include "plots/plot_widget.h"

namespace eigenscope::ui {

class EigenPlot : public PlotWidget {
    Q_OBJECT
public:
    enum class Colouring { Layer, Head, Time };
    // Above this many points the plot draws a density image (bench/plot_bench: a scatter of this many points
    // takes about one 60 Hz frame on the reference machine).
    static constexpr qint64 kDensityThreshold = 40000;

    explicit EigenPlot(QWidget* parent = nullptr);
    void setSource(const PlotSource& source);
    void setColouring(Colouring colouring);
    qint64 pointCount() const override { return qint64(points_.size()); }
    bool densityMode() const { return pointCount() > kDensityThreshold; }

protected:
    void dataAxes(Axis& x, Axis& y) const override;
    void paintData(QPainter& painter, const Frame& frame) const override;
    std::vector<LegendEntry> legend() const override;
    QString hoverText(const Frame& frame, QPointF pixel) const override;
    bool equalAspect() const override { return true; }
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

    PlotSource source_;
    std::vector<Point> points_, referencePoints_;
    Colouring colouring_ = Colouring::Layer;
    int maxT_ = 1;
    double extent_ = 1.1;
};

}  // namespace eigenscope::ui
