-- A batch is written once and read a few times: compressing it cost a reassign a quarter of a
-- second of pglz for a log that is smaller, not faster, to read back.
ALTER TABLE "bus"."event_batch" ALTER COLUMN "events" SET STORAGE EXTERNAL;
