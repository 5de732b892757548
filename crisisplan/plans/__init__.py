"""Crisis plans: versions, sections, the editor, compare, publish and the plan's export."""
