// The base of every plot: axes, ticks, legend, zoom/pan, hover read-out and export, all drawn with QPainter so
// the screen and the PNG/SVG/PDF exports share one code path (no OpenGL).
#pragma once

#include <QColor>
#include <QPointF>
#include <QRectF>
#include <QString>
#include <QWidget>

#include <optional>
#include <vector>

namespace eigenscope::ui {

struct Axis {
    double lo = 0, hi = 1;
    bool log = false;
    QString label;
};

// Maps data coordinates to the pixels of the plot rectangle.
struct Frame {
    QRectF rect;
    Axis x, y;
    double toPixelX(double v) const;
    double toPixelY(double v) const;
    QPointF toPixel(double vx, double vy) const { return {toPixelX(vx), toPixelY(vy)}; }
    double toDataX(double px) const;
    double toDataY(double py) const;
};

std::vector<double> axisTicks(const Axis& axis, double pixels);
QString tickLabel(double value, const Axis& axis);

struct LegendEntry {
    QString text;
    QColor colour;
    bool dashed = false;
};

class PlotWidget : public QWidget {
    Q_OBJECT
public:
    explicit PlotWidget(const QString& title, QWidget* parent = nullptr);

    QString title() const { return title_; }
    void setTitle(const QString& title);
    // Paints title, axes, data and legend into `target` of any paint device (screen, image, SVG, PDF): black on
    // white for figures, in the widget's palette (the theme) on screen.
    void render(QPainter& painter, const QRectF& target, bool onScreen = false) const;
    // Increases with every bulk replace of the plotted data (tests and the latency benchmark watch it).
    int revision() const { return revision_; }
    // Number of data points the last replace holds.
    virtual qint64 pointCount() const { return 0; }
    void resetView();
    // Shows the axes' ranges instead of the data's (zoom and pan do the same).
    void setView(const Axis& x, const Axis& y);
    // The axes' ranges of the data alone (what resetView() shows).
    std::pair<Axis, Axis> dataRange() const;
    // The data rectangle and axes of the last render.
    const Frame& lastFrame() const { return lastFrame_; }
    void setLegendVisible(bool visible);
    bool legendVisible() const { return legendVisible_; }

Q_SIGNALS:
    void exportRequested(eigenscope::ui::PlotWidget* plot);
    void enlargeRequested(eigenscope::ui::PlotWidget* plot);

protected:
    // The data range of the axes before any zoom.
    virtual void dataAxes(Axis& x, Axis& y) const = 0;
    virtual void paintData(QPainter& painter, const Frame& frame) const = 0;
    virtual std::vector<LegendEntry> legend() const { return {}; }
    virtual QString hoverText(const Frame& frame, QPointF pixel) const { return {}; }
    virtual bool equalAspect() const { return false; }
    // Named ticks of a categorical x axis; empty: numeric ticks.
    virtual std::vector<std::pair<double, QString>> categoryTicks() const { return {}; }
    // Named ticks of the y axis (rows of a heat map); empty: numeric ticks.
    virtual std::vector<std::pair<double, QString>> yCategoryTicks() const { return {}; }
    // The colours of the render in progress: text and axes, and the background.
    QColor foreground() const { return foreground_; }
    QColor background() const { return background_; }
    // The render in progress is the widget's own paint (not a figure): drawing may trade finish for speed.
    bool onScreen() const { return onScreen_; }
    // A colour bar right of the data (sequentialColour from lo at the bottom to hi at the top) with ticks — whole
    // decades when `log` (lo and hi are then log10 values) — and `label` along it. Needs rightMargin() ≥ 84.
    void paintColourBar(QPainter& painter, const Frame& frame, double lo, double hi, bool log, const QString& label) const;
    // Extra room right of the plot rectangle (colour bars).
    virtual double rightMargin() const { return 12; }
    virtual QString emptyText() const { return tr("no data"); }
    virtual bool hasData() const = 0;
    void dataReplaced();

    void paintEvent(QPaintEvent* event) override;
    void contextMenuEvent(QContextMenuEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;

private:
    Frame frameFor(const QRectF& target, const QFontMetricsF& metrics) const;
    void zoomAround(QPointF pixel, double factor);

    QString title_;
    int revision_ = 0;
    bool legendVisible_ = true;
    std::optional<std::pair<Axis, Axis>> view_;  // the zoomed/panned axes; empty: the data range
    Frame lastFrame_;
    mutable QColor foreground_ = Qt::black, background_ = Qt::white;
    mutable bool onScreen_ = false;
    std::optional<QPointF> dragFrom_;
};

// Colours: categorical (layers/heads) and a perceptually ordered map (time, density).
QColor categoricalColour(int index);
QColor sequentialColour(double fraction);  // fraction in [0, 1], dark blue → yellow

}  // namespace eigenscope::ui
