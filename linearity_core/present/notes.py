"""Teaching notes beside the charts, naming the selected model's own layers and only
what that model has (no Dropout bullet for a model without Dropout). Markdown; layer
names are escaped (they may come from an upload)."""

from linearity_core.measure.layer_table import TeachingNames
from linearity_core.present.text import md


def layers_notes(names: TeachingNames) -> str:
    """How to read the Layers chart."""
    bullets = ["**Reading the chart**", ""]
    if names.linear:
        bullets.append(
            f"- **{md(names.linear)} scores 0.** It is the first linear layer: the output of "
            "an average of inputs is the average of their outputs, so nothing is left over."
        )
    if names.activation:
        bullets.append(
            f"- **Activations bend.** {md(names.activation)} adds the first nonlinearity"
            + (f"; pooling ({md(names.pooling)}) adds more." if names.pooling else ".")
        )
    if names.identity:
        shown = ", ".join(md(n) for n in names.identity[:3])
        verb = (
            "repeats the bar before it"
            if len(names.identity) == 1
            else "repeat the bar before them"
        )
        bullets.append(
            f"- **{shown} {verb}.** Dropout at inference and reshapes only pass values "
            "along, so the measure cannot change."
        )
    bullets += [
        "- **Later linear layers are not 0.** They are linear maps, but they sit on top of "
        "nonlinear ones: what is measured is the network *up to* that layer.",
        f"- **The red bar is the output, {md(names.output)},** measured on "
        "log-probabilities for a classifier. Lower means the model's decision is more "
        "linear around the data.",
        "- **Raw or scale-free.** The raw measure (alibi's) grows with a layer's activation "
        "scale; the scale-free one divides each score by the spread of that layer's "
        "outputs over the same samples, so layers can be compared on one scale.",
    ]
    return "\n".join(bullets)


def mistakes_notes(names: TeachingNames) -> str:
    linear = md(names.linear) if names.linear else "A linear layer"
    return (
        "**Reading the chart**\n\n"
        "Each point asks: if you ranked the test images by this layer's score, how often "
        "would a misclassified image rank above a correct one? 0.5 is chance; above it "
        "mistakes sit where the network bends most, below it they are the *more* linear "
        f"ones, which tells just as much. {linear} scores 0 for every image (float noise), "
        f"so it has no point; {md(names.output)} reads the decision itself. The layer list "
        "starts at the layer farthest from 0.5."
    )


def evolution_notes(names: TeachingNames) -> str:
    linear = f"{md(names.linear)} stays at 0 at any epoch (it is linear whatever its weights); "
    return (
        "**Reading the chart**\n\n"
        "Press play: the same images and the same samples are scored on every checkpoint, "
        "from the random weights of epoch 0 to the trained network, so only the weights "
        "change. " + (linear if names.linear else "") + "watch how "
        f"{md(names.activation or 'the activations')} and the output, {md(names.output)}, "
        "move as the network learns to separate the classes."
    )


def sweep_notes(names: TeachingNames) -> str:
    linear = (
        f" {md(names.linear)} stays at float noise (about 1e-7 of its output's scale, far "
        "below every nonlinear line) at any ε."
        if names.linear
        else ""
    )
    return (
        "**Reading the chart**\n\n"
        "Each line is one layer, on log-log axes. Near ε = 0 a smooth network looks "
        "linear; as the neighbourhood grows, activations such as "
        f"{md(names.activation or 'the activations')} cross their kinks and the score "
        f"rises.{linear} The table gives each layer's slope on the log-log axes (how fast "
        "its nonlinearity grows with ε: about 1 for a kink such as ReLU, 2 for a smooth "
        "curve) and the ε where it reaches half of its largest value. Below ε = 2 / "
        "resolution the lattice cannot get finer (alibi takes at least 2 steps), so lines "
        "flatten there: raise the resolution to look closer."
    )


def instance_notes(names: TeachingNames) -> str:
    linear = md(names.linear) if names.linear else "Linear layers"
    return (
        "**Reading the profile**\n\n"
        "The red line is this image, the dashed one its class's mean, the dotted one the "
        f"run's. Linear layers such as {linear} stay at 0 for every image; the first place "
        "the red line leaves its class's is where this image sits near a kink, often "
        f"{md(names.activation or 'an activation')}. A high score at {md(names.output)} "
        "with a close call between two classes marks a borderline image: the decision "
        "changes shape within ε of it."
    )


def overlay_notes() -> str:
    return (
        "**Reading the chart**\n\n"
        "- **One line per model**, through the mean score of each of its layers. The four "
        "variants stack the same layers in the same order, so layers line up by position, "
        "named after the first model's (hover a point for each model's own layer); runs "
        "of one model line up by name.\n"
        "- **Up to the first activation, every line is at 0**: conv_1 is linear whatever "
        "comes after it.\n"
        "- **The no-activation variant stays at 0 until the softmax**: a stack of linear "
        "maps is one linear map. What bends the others is their activation function.\n"
        "- **Scale-free** scores divide each layer's L by the spread of its outputs: use "
        "them when one variant's activations are much larger than another's."
    )
