/** `fluxbase storage buckets|create|delete|ls`: storage buckets through the admin API and storage-js. */
import { Command } from "commander";
import { cliClient } from "./cliClient.ts";
import { CliError, unwrap } from "./cliErrors.ts";
import {
  act,
  type ConnectionFlags,
  commandGroup,
  type OutputFlags,
  printRows,
  wantsJson,
  withConnection,
  withOutput,
} from "./commandKit.ts";
import { formatTime, print, printJson } from "./output.ts";

type Flags = ConnectionFlags & OutputFlags;

interface CreateFlags extends Flags {
  public?: boolean;
  maxSize?: string;
  types?: string;
}

/** storage-js's `{ data, error }`: an error becomes a one-line CliError with its HTTP status. */
function storageData<T>(result: { data: T | null; error: { message: string; status?: number } | null }): T {
  if (result.error) {
    const status = result.error.status ? ` (${result.error.status})` : "";
    throw new CliError(`${result.error.message}${status}`);
  }
  return result.data as T;
}

const size = (bytes: number | null) => {
  if (bytes === null) return "-";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
};

export function storageCommand(): Command {
  const admin = (command: Command) =>
    withConnection(withOutput(command), "Act as this admin (default: the service key)");
  const group = commandGroup("storage", "File storage: buckets and what they hold");
  group.addCommand(
    admin(
      new Command("buckets")
        .description("List the buckets with their objects and size")
        .action(act(listBuckets)),
    ),
  );
  group.addCommand(
    admin(
      new Command("create")
        .description("Create a bucket (private unless --public)")
        .argument("<bucket>")
        .option("--public", "Serve its objects to anyone at /storage/v1/object/public/...")
        .option("--max-size <size>", "The largest object, e.g. 10MB (default: the server's limit)")
        .option("--types <list>", "Allowed MIME types, comma-separated, e.g. image/*,application/pdf")
        .action(act(createBucket)),
    ),
  );
  group.addCommand(
    admin(
      new Command("delete")
        .description("Delete an empty bucket")
        .argument("<bucket>")
        .option("--empty", "Remove its objects first")
        .action(act(deleteBucket)),
    ),
  );
  group.addCommand(
    admin(
      new Command("ls")
        .description("List a folder of a bucket: files and sub-folders")
        .argument("<bucket>")
        .argument("[folder]")
        .action(act(listFolder)),
    ),
  );
  return group;
}

async function listBuckets(flags: Flags): Promise<number> {
  const buckets = unwrap(await (await cliClient(flags)).admin.storage.buckets());
  printRows(
    flags,
    buckets,
    "No buckets.",
    ["BUCKET", "ACCESS", "OBJECTS", "SIZE", "MAX SIZE", "TYPES"],
    (b) => [
      b.id,
      b.public ? "public" : "private",
      String(b.objects),
      size(b.bytes),
      size(b.file_size_limit),
      b.allowed_mime_types?.join(",") ?? "any",
    ],
  );
  return 0;
}

async function createBucket(id: string, flags: CreateFlags): Promise<number> {
  const client = await cliClient(flags);
  const types = flags.types
    ?.split(",")
    .map((type) => type.trim())
    .filter(Boolean);
  storageData(
    await client.storage.createBucket(id, {
      public: flags.public === true,
      fileSizeLimit: flags.maxSize,
      allowedMimeTypes: types,
    }),
  );
  if (wantsJson(flags)) printJson(storageData(await client.storage.getBucket(id)));
  else print(`Created ${flags.public ? "public" : "private"} bucket ${id}`);
  return 0;
}

async function deleteBucket(id: string, flags: Flags & { empty?: boolean }): Promise<number> {
  const client = await cliClient(flags);
  if (flags.empty) storageData(await client.storage.emptyBucket(id));
  storageData(await client.storage.deleteBucket(id));
  print(`Deleted bucket ${id}`);
  return 0;
}

async function listFolder(bucket: string, folder: string | undefined, flags: Flags): Promise<number> {
  const entries = storageData(
    await (await cliClient(flags)).storage.from(bucket).list(folder ?? "", { limit: 1000 }),
  );
  printRows(
    flags,
    entries,
    `Nothing in ${bucket}/${folder ?? ""}`,
    ["NAME", "SIZE", "TYPE", "UPDATED"],
    (e) =>
      e.id === null
        ? [`${e.name}/`, "-", "folder", "-"]
        : [e.name, size(e.metadata?.size ?? 0), e.metadata?.mimetype ?? "-", formatTime(e.updated_at)],
  );
  return 0;
}
