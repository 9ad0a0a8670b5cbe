func.func @step(%a: tensor<?x?x8xf32> {recur.name = "a"},
                %b: tensor<?x?x8xf32> {recur.name = "b"})
    -> (tensor<?x?x8xf32> {recur.name = "h"},
        tensor<?x8xf32> {recur.name = "h_last"}) {
  %h, %last = recur.scan %a, %b
      : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> (tensor<?x?x8xf32>, tensor<?x8xf32>)
  return %h, %last : tensor<?x?x8xf32>, tensor<?x8xf32>
}
