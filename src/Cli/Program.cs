using PerceptionEncoder.Cli.Infrastructure;

return PeCli.Run(args);
