-- Motion sensitivity and masks for cameras adopted in the UI (config cameras keep theirs
-- in hearth.yaml). NULL means "the default" (sensitivity 50, no masks).
ALTER TABLE cameras ADD COLUMN motion_sensitivity INTEGER CHECK (motion_sensitivity BETWEEN 1 AND 100);
ALTER TABLE cameras ADD COLUMN motion_masks TEXT;
